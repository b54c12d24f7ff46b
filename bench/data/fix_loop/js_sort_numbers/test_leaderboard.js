const assert = require("assert");
const { sortedScores, topScore } = require("./leaderboard");

assert.deepStrictEqual(sortedScores([10, 9, 100, 1]), [1, 9, 10, 100]);
assert.strictEqual(topScore([5, 40, 300]), 300);
console.log("ok");
