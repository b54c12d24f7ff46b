// Sorts scores for the leaderboard.

function sortedScores(scores) {
  // A new array, lowest first.
  return [...scores].sort();
}

function topScore(scores) {
  const sorted = sortedScores(scores);
  return sorted[sorted.length - 1];
}

module.exports = { sortedScores, topScore };
