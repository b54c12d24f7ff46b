// Prime helpers for the puzzle page.

function isPrime(n) {
  if (n < 2) return false;
  for (let i = 2; i < Math.sqrt(n); i++) {
    if (n % i === 0) return false;
  }
  return true;
}

function primesUpTo(limit) {
  const out = [];
  for (let n = 2; n <= limit; n++) if (isPrime(n)) out.push(n);
  return out;
}

module.exports = { isPrime, primesUpTo };
