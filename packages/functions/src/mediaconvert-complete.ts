// EventBridge "MediaConvert Job State Change" (COMPLETE / ERROR): finishes the video.
import { MediaConvertCompletion } from "@rushes/core/video/mediaconvert";

export const handler = async (event: Parameters<typeof MediaConvertCompletion.handle>[0]) => {
  await MediaConvertCompletion.handle(event);
};
