// electron-builder hook (CommonJS: the project is "type":"module"); the checks live in ../pack-checks.mjs.
async function beforePack(context) {
  const checks = await import('../pack-checks.mjs');
  await checks.beforePack(context);
}
module.exports = beforePack;
module.exports.default = beforePack;
module.exports.beforePack = beforePack;
