// Subscribes to stockChanged with the real graphql-ws client from npm (the
// client GraphQLWsLink uses), the token in connection_init's payload, then
// makes a stock-out over HTTP and waits for its event.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const base = process.env.WMS_URL;
const token = process.env.WMS_TOKEN;

async function gql(query, variables) {
  const res = await fetch(`${base}/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const { createCategory } = await gql(`mutation { createCategory(input: {name: "e2e live"}) { id } }`);
const { createGoods } = await gql(`mutation($c: ID!) { createGoods(input: {name: "Live milk", categoryId: $c}) { id } }`,
  { c: createCategory.id });
const goods = createGoods.id;
await gql(`mutation($g: ID!) { stockIn(input: {type: PURCHASE, lines: [{goodsId: $g, quantity: "10", unitCost: "2"}]}) { code } }`,
  { g: goods });

const client = createClient({
  url: base.replace(/^http/, "ws") + "/query",
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
});

const received = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no stock change within 5 s")), 5000);
  client.subscribe(
    { query: `subscription($g: [ID!]) { stockChanged(goodsIds: $g) { onHand value documentCode goods { name } } }`,
      variables: { g: [goods] } },
    {
      next: (msg) => {
        if (msg.errors) return reject(new Error(JSON.stringify(msg.errors)));
        // The stock-in's own change may still be on its way: wait for the stock-out's.
        if (!msg.data.stockChanged.documentCode.startsWith("OUT-")) return;
        clearTimeout(timer);
        resolve(msg.data.stockChanged);
      },
      error: reject,
      complete: () => {},
    },
  );
});

// The subscription is registered once the server acknowledged it; a short
// pause, then the stock-out.
await new Promise((r) => setTimeout(r, 300));
const { stockOut } = await gql(
  `mutation($g: ID!) { stockOut(input: {reason: CONSUME, lines: [{goodsId: $g, quantity: "3"}]}) { code } }`, { g: goods });
const change = await received;
await client.dispose();
if (change.onHand !== "7" || change.documentCode !== stockOut.code || change.goods.name !== "Live milk") {
  console.error("unexpected change", change);
  process.exit(1);
}
console.log(`OK: stock change ${change.goods.name} ${change.onHand} by ${change.documentCode}`);
