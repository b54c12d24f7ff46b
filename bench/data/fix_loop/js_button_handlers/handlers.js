// Builds one click handler per toolbar button.

function makeHandlers(count) {
  const handlers = [];
  for (var i = 0; i < count; i++) {
    handlers.push(() => i);
  }
  return handlers;
}

module.exports = { makeHandlers };
