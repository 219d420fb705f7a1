// electron-builder hook (CommonJS: the project is "type":"module"); the checks live in ../pack-checks.mjs.
async function afterPack(context) {
  const checks = await import('../pack-checks.mjs');
  await checks.afterPack(context);
}
module.exports = afterPack;
module.exports.default = afterPack;
module.exports.afterPack = afterPack;
