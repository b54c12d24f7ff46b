const assert = require("assert");
const { rangeSum } = require("./ranges");

assert.strictEqual(rangeSum([1, 2, 3, 4], 0, 3), 10);
assert.strictEqual(rangeSum([1, 2, 3, 4], 1, 2), 5);
console.log("ok");
