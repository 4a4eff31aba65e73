// Original file: proto/hactl/agent/v1/agent.proto


export interface ReleaseLeaseResponse {
}

export interface ReleaseLeaseResponse__Output {
}
