// URL slugs for article titles.

function slugify(title) {
  // Lower case, words joined by single dashes, nothing but letters and digits.
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/, "-")
    .replace(/^-|-$/g, "");
}

module.exports = { slugify };
