var orders = [
  { id: 1, customer: "ada", total: 30, paid: true },
  { id: 2, customer: "bob", total: 12.5, paid: false },
  { id: 3, customer: "ada", total: 7.25, paid: true },
];

function totalsByCustomer(list) {
  var result = {};
  for (var i = 0; i < list.length; i++) {
    var o = list[i];
    if (o.paid == true) {
      if (result[o.customer] == undefined) {
        result[o.customer] = 0;
      }
      result[o.customer] = result[o.customer] + o.total;
    }
  }
  return result;
}

console.log(JSON.stringify(totalsByCustomer(orders)));
