#!/usr/bin/env bash
# Copy the front-end libraries pinned in package.json from node_modules/ into static/vendor/.
# Run after `npm install` when a version changes; the copies are committed so that nobody needs npm to run OncoNet.
set -euo pipefail
cd "$(dirname "$0")/.."
out=static/vendor
rm -rf "$out" && mkdir -p "$out/bootstrap" "$out/bootstrap-icons/fonts" "$out/htmx" "$out/echarts" "$out/axe-core"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$out/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$out/bootstrap/"
cp node_modules/bootstrap/LICENSE "$out/bootstrap/LICENSE"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$out/bootstrap-icons/"
cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff "$out/bootstrap-icons/fonts/"
cp node_modules/bootstrap-icons/LICENSE "$out/bootstrap-icons/LICENSE"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
cp node_modules/htmx.org/LICENSE "$out/htmx/LICENSE"
cp node_modules/echarts/dist/echarts.min.js "$out/echarts/"
cp node_modules/echarts/LICENSE "$out/echarts/LICENSE"
# axe-core: only the browser tests load it (the accessibility check); no page includes it.
cp node_modules/axe-core/axe.min.js "$out/axe-core/"
cp node_modules/axe-core/LICENSE "$out/axe-core/LICENSE"
# Source maps are not vendored: drop the references, or collectstatic's manifest storage looks for them.
find "$out" \( -name '*.js' -o -name '*.css' \) -exec sed -i -E 's@(//|/\*)# sourceMappingURL=[^ *]*( \*/)?@@' {} +
node -e 'const p=require("./package.json");for(const [n,v] of Object.entries(p.dependencies))console.log(n+"@"+v)' > "$out/VERSIONS.txt"
echo "vendored into $out:"; cat "$out/VERSIONS.txt"
