// Summary statistics for the dashboard.

function median(values) {
  // The middle value of the sorted numbers (the mean of the two middle ones for an even count).
  const sorted = [...values].sort();
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

module.exports = { median };
