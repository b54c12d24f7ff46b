const assert = require("assert");
const { slugify } = require("./slug");

assert.strictEqual(slugify("Hello"), "hello");
assert.strictEqual(slugify("Hello, World: Again!"), "hello-world-again");
console.log("ok");
