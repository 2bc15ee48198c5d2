// Uploads a file to a running wms with the real Apollo Client and
// apollo-upload-client, attaches it to a goods, and downloads it back.
// Usage: WMS_URL=http://127.0.0.1:8080 WMS_TOKEN=... node upload.mjs photo.png
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { ApolloClient, InMemoryCache, gql } from "@apollo/client/core/index.js";
import createUploadLink from "apollo-upload-client/createUploadLink.mjs";

const base = process.env.WMS_URL;
const token = process.env.WMS_TOKEN;
const path = process.argv[2];

const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: createUploadLink({
    uri: `${base}/query`,
    // The CSRF guard: wms refuses multipart requests without this header.
    headers: { Authorization: `Bearer ${token}`, "Apollo-Require-Preflight": "true" },
  }),
});

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

const bytes = await readFile(path);
const file = new File([bytes], basename(path), { type: "application/octet-stream" });

const uploaded = await client.mutate({
  mutation: gql`mutation Upload($file: Upload!) { uploadMedia(file: $file) { id filename contentType size sha256 url } }`,
  variables: { file },
});
const media = uploaded.data.uploadMedia;
if (media.size !== bytes.length) fail(`uploaded ${media.size} bytes, sent ${bytes.length}`);
if (media.contentType !== "image/png") fail(`content type ${media.contentType}`);

const category = await client.mutate({
  mutation: gql`mutation { createCategory(input: { name: "e2e 蔬菜" }) { id } }`,
});
const goods = await client.mutate({
  mutation: gql`mutation Goods($c: ID!, $img: ID!) { createGoods(input: { name: "土豆", categoryId: $c, imageId: $img }) { id image { id url sha256 } } }`,
  variables: { c: category.data.createCategory.id, img: media.id },
});
const image = goods.data.createGoods.image;
if (!image || image.id !== media.id) fail(`goods image ${JSON.stringify(image)}`);

const res = await fetch(`${base}${image.url}`, { headers: { Authorization: `Bearer ${token}` } });
if (res.status !== 200) fail(`download answered ${res.status}`);
const back = Buffer.from(await res.arrayBuffer());
if (!back.equals(bytes)) fail(`downloaded ${back.length} bytes that differ from the upload`);
if (res.headers.get("etag") !== `"${media.sha256}"`) fail(`etag ${res.headers.get("etag")}`);

console.log(`OK: media ${media.id} (${media.size} bytes) round-tripped through goods ${goods.data.createGoods.id}`);
