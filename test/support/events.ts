// A video event published straight to the runtime's topic, as the lifecycle publishes one:
// what the webhook tests feed the dispatcher.
export async function publishVideo(
  owner: string,
  videoId: string,
  {
    type = "video.ready",
    eventId = `evt_${videoId}`,
  }: { type?: "video.ready" | "video.failed"; eventId?: string } = {},
) {
  const { Events } = await import("@rushes/core/event");
  const origin = { eventId, at: Date.now() };
  return Events.publish(type, origin, {
    videoId,
    owner,
    status: "ready",
    bucket: "rushes-local-media",
  });
}
