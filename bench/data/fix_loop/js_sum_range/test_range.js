const assert = require("assert");
const { sumRange, countRange } = require("./range");

assert.strictEqual(sumRange(1, 4), 10);
assert.strictEqual(sumRange(5, 5), 5);
assert.strictEqual(countRange(1, 4), 4);
console.log("ok");
