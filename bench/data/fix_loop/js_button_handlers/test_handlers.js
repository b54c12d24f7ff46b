const assert = require("assert");
const { makeHandlers } = require("./handlers");

const handlers = makeHandlers(3);
assert.deepStrictEqual(handlers.map((h) => h()), [0, 1, 2]);
console.log("ok");
