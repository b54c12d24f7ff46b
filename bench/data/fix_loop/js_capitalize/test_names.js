const assert = require("assert");
const { capitalize, displayName } = require("./names");

assert.strictEqual(capitalize("hELLO"), "Hello");
assert.strictEqual(displayName("ada", "LOVELACE"), "Ada Lovelace");
assert.strictEqual(capitalize(""), "");
console.log("ok");
