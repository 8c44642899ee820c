// Named re-export: a dynamic import of this file brings only the client class, not every command.
export { CreateJobCommand, MediaConvertClient } from "@aws-sdk/client-mediaconvert";
