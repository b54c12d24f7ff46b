// Progress bar labels.

function percent(done, total) {
  if (total === 0) return 0;
  return Math.round((total / done) * 100);
}

function label(done, total) {
  return `${percent(done, total)}% (${done}/${total})`;
}

module.exports = { percent, label };
