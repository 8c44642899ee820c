import { Queue } from "../queue";
import { Schedule } from "./schedule";
import type { Message } from "./schema";

/** The delivery queue: one message an attempt of a delivery. */
export const deliveryQueue = Queue.port<Message>("webhookDelivery");

/** Puts one attempt of a delivery on the delivery queue, after at most the queue's 15-minute delay. */
export async function enqueue(message: Message, delaySeconds = 0) {
  await deliveryQueue.send(message, {
    delaySeconds: Schedule.queueDelaySeconds(Date.now() + delaySeconds * 1000, Date.now()),
  });
}
