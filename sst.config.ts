// SST app: `npx sst deploy --stage prod` deploys rushes to AWS; `npx sst dev` runs it live.

/** Stages whose data outlives `sst remove` and which `sst remove` refuses to touch. */
const productionStages = ["production", "prod"];

export default $config({
  app(input) {
    const production = productionStages.includes(input?.stage ?? "");
    return {
      name: "rushes",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    // A bad RUSHES_* value stops the deploy here, before any resource changes.
    (await import("./infra/settings")).validateAll();
    const storage = await import("./infra/storage");
    await import("./infra/processing");
    await import("./infra/fetch");
    await import("./infra/captions");
    const { distribution } = await import("./infra/cdn");
    await import("./infra/webhooks");
    const { api } = await import("./infra/api");
    const { web } = await import("./infra/web");
    return {
      api: api.url,
      web: web.url,
      bucket: storage.bucket.name,
      cdn: distribution.domainName,
    };
  },
});
