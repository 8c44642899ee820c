// Named re-export: a dynamic import of this file brings only the client class, not every command.
export { SNSClient } from "@aws-sdk/client-sns";
