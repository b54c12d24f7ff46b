// Grade averages for the class report.

function average(grades) {
  if (grades.length === 0) return 0;
  const total = grades.reduce((sum, g) => sum + g, 0);
  total / grades.length;
}

function passed(grades, mark = 50) {
  return average(grades) >= mark;
}

module.exports = { average, passed };
