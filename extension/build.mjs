// Bundles the extension (dist/extension.js) or the tests (out/test/*.test.js) with esbuild.
// Usage: node build.mjs [--production] [--tests]
import { readdirSync, readFileSync, rmSync } from "node:fs";
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");
const tests = process.argv.includes("--tests");
const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  sourcemap: !production,
  minify: production,
  define: { __VERSION__: JSON.stringify(version) },
  logLevel: "warning",
};

const bundleExtension = () =>
  esbuild.build({ ...common, entryPoints: ["src/extension.ts"], outfile: "dist/extension.js", external: ["vscode"] });

rmSync("dist", { recursive: true, force: true });
await bundleExtension(); // the glue test activates the shipped bundle, so tests build it too
if (tests) {
  rmSync("out", { recursive: true, force: true });
  const entryPoints = readdirSync("test")
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => `test/${name}`);
  await esbuild.build({ ...common, entryPoints, outdir: "out/test", external: ["vscode"] });
}
