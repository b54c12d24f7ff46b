// Wrap text for a fixed-width terminal.

function wrap(text, width) {
  // Lines of at most `width` characters, broken between words.
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? line + " " + word : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

module.exports = { wrap };
