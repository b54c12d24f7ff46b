// Word games for the kids' corner.

function reverseWords(sentence) {
  // The words of the sentence in reverse order, single-spaced.
  return sentence.trim().split("").reverse().join(" ");
}

module.exports = { reverseWords };
