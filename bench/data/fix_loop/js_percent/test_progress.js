const assert = require("assert");
const { percent, label } = require("./progress");

assert.strictEqual(percent(1, 4), 25);
assert.strictEqual(percent(0, 0), 0);
assert.strictEqual(label(3, 4), "75% (3/4)");
console.log("ok");
