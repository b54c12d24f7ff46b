// Counts votes.

function countOf(votes, choice) {
  let count = 0;
  for (const vote of votes) {
    if ((vote = choice)) count++;
  }
  return count;
}

module.exports = { countOf };
