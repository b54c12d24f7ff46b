const assert = require("assert");
const { isPrime, primesUpTo } = require("./primes");

assert.strictEqual(isPrime(7), true);
assert.strictEqual(isPrime(9), false);
assert.deepStrictEqual(primesUpTo(25), [2, 3, 5, 7, 11, 13, 17, 19, 23]);
console.log("ok");
