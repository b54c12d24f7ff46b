const assert = require("assert");
const { lastN } = require("./history");

assert.deepStrictEqual(lastN([1, 2, 3, 4, 5], 2), [4, 5]);
assert.deepStrictEqual(lastN([1], 3), [1]);
assert.deepStrictEqual(lastN([1, 2], 0), []);
console.log("ok");
