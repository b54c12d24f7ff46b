// Sums over integer ranges, for the pagination widget.

function sumRange(start, end) {
  // The sum of every integer from start to end, both included.
  let total = 0;
  for (let i = start; i < end; i++) {
    total += i;
  }
  return total;
}

function countRange(start, end) {
  return end - start + 1;
}

module.exports = { sumRange, countRange };
