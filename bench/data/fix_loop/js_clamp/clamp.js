// Keeps slider values in range.

function clamp(value, low, high) {
  return Math.min(low, Math.max(high, value));
}

module.exports = { clamp };
