const assert = require("assert");
const { loadSettings, DEFAULTS } = require("./settings");

assert.deepStrictEqual(loadSettings('{"theme": "dark"}'), { theme: "dark", fontSize: 14 });
assert.deepStrictEqual(loadSettings("{not json"), DEFAULTS);
console.log("ok");
