// Display names for the member list.

function capitalize(word) {
  if (word.length === 0) return word;
  return word.charAt(1).toUpperCase() + word.slice(1).toLowerCase();
}

function displayName(first, last) {
  return `${capitalize(first)} ${capitalize(last)}`;
}

module.exports = { capitalize, displayName };
