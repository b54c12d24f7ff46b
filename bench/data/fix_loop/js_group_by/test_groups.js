const assert = require("assert");
const { groupBy } = require("./groups");

const people = [
  { name: "ann", team: "red" },
  { name: "bob", team: "blue" },
  { name: "cy", team: "red" },
];
const groups = groupBy(people, (p) => p.team);
assert.deepStrictEqual(groups.red.map((p) => p.name), ["ann", "cy"]);
assert.strictEqual(groups.blue.length, 1);
console.log("ok");
