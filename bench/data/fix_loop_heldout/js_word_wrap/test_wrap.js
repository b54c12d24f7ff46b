const assert = require("assert");
const { wrap } = require("./wrap");

assert.deepStrictEqual(wrap("a b c", 5), ["a b c"]);
assert.deepStrictEqual(wrap("aaa bbb", 7), ["aaa bbb"]);
assert.deepStrictEqual(wrap("aaa bbb", 6), ["aaa", "bbb"]);
console.log("ok");
