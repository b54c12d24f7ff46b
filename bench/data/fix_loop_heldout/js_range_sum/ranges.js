// Sums over ranges of a series, with prefix sums.

function prefixSums(values) {
  const sums = [0];
  for (const v of values) sums.push(sums[sums.length - 1] + v);
  return sums;
}

function rangeSum(values, from, to) {
  // The sum of values[from..to], both ends included.
  const sums = prefixSums(values);
  return sums[to] - sums[from];
}

module.exports = { rangeSum };
