const assert = require("assert");
const { average, passed } = require("./grades");

assert.strictEqual(average([60, 70, 80]), 70);
assert.strictEqual(average([]), 0);
assert.strictEqual(passed([40, 70]), true);
console.log("ok");
