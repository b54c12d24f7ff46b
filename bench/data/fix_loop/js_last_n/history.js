// Recent items for the history panel.

function lastN(items, n) {
  // The last n items, oldest first (all of them when there are fewer).
  if (n <= 0) return [];
  return items.slice(Math.max(0, items.length - n - 1));
}

module.exports = { lastN };
