/**
 * Test pcaps: the writers live in bench/pcap.ts (the media benchmark uses them too).
 */
export { g711FromWav, writeRtpPcap, writeDtmfPcap, writeDtmfSequencePcap, dtmfSchedule, writeSpeechPcap } from '../../bench/pcap.js';
