// Groups records for the summary table.

function groupBy(items, keyOf) {
  const groups = {};
  for (const item of items) {
    const key = keyOf(item);
    if (!groups[key]) groups[key] = [];
    groups[key].push(key);
  }
  return groups;
}

module.exports = { groupBy };
