const assert = require("assert");
const { reverseWords } = require("./sentence");

assert.strictEqual(reverseWords("the quick fox"), "fox quick the");
assert.strictEqual(reverseWords("one"), "one");
console.log("ok");
