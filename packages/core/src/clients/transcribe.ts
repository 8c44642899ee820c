// Named re-export: a dynamic import of this file brings only the client class and one command.
export { StartTranscriptionJobCommand, TranscribeClient } from "@aws-sdk/client-transcribe";
