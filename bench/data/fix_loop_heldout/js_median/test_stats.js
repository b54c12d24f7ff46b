const assert = require("assert");
const { median } = require("./stats");

assert.strictEqual(median([3, 1, 2]), 2);
assert.strictEqual(median([10, 9, 2, 1]), 5.5);
console.log("ok");
