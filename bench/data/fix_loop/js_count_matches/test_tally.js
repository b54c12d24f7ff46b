const assert = require("assert");
const { countOf } = require("./tally");

assert.strictEqual(countOf(["yes", "no", "yes"], "yes"), 2);
assert.strictEqual(countOf([], "no"), 0);
console.log("ok");
