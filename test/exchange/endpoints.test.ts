import { describe, expect, it } from 'vitest';
import { privateHostReason, unreachableReasons } from '../../src/exchange/endpoints.ts';

describe('endpoints an org can call', () => {
  it('accepts public HTTPS hosts on 443 and 1024-65535', () => {
    for (const url of [
      'https://auth.example.com/oauth/token',
      'https://api.example.com:8443/v2',
      'https://api.example.com:65535',
      'https://8.8.8.8/token',
      'https://[2001:db8::1]:1024/',
      'https://172.32.0.1/',
      'https://100.128.0.1/',
    ])
      expect({ url, reasons: unreachableReasons(url) }).toEqual({ url, reasons: [] });
  });

  it('names plain HTTP, each private range, and disallowed ports', () => {
    const cases: Array<[string, RegExp]> = [
      ['http://api.example.com/', /plain HTTP/],
      ['https://localhost:8443/', /localhost/],
      ['https://app.localhost/', /localhost/],
      ['https://127.0.0.1/', /loopback/],
      ['https://10.1.2.3/', /10\.0\.0\.0\/8/],
      ['https://172.16.0.1/', /172\.16\.0\.0\/12/],
      ['https://172.31.255.1/', /172\.16\.0\.0\/12/],
      ['https://192.168.1.1/', /192\.168\.0\.0\/16/],
      ['https://169.254.169.254/', /169\.254\.0\.0\/16/],
      ['https://0.0.0.0/', /0\.0\.0\.0\/8/],
      ['https://[::1]/', /::1/],
      ['https://[fc00::1]/', /fc00::\/7/],
      ['https://[fd12:3456::1]/', /fc00::\/7/],
      ['https://[fe80::1]/', /fe80::\/10/],
      ['https://[::ffff:127.0.0.1]/', /loopback/],
      ['https://[::ffff:10.0.0.1]/', /10\.0\.0\.0\/8/],
      ['https://api.example.com:22/', /port 22 /],
      ['https://api.example.com:80/', /port 80 /],
      ['http://api.example.com:443/', /port 443 /],
      ['https://api.example.com:1023/', /port 1023 /],
    ];
    for (const [url, reason] of cases)
      expect({ url, reasons: unreachableReasons(url).join('; ') }).toEqual({
        url,
        reasons: expect.stringMatching(reason),
      });
  });

  it('gives every reason at once', () => {
    expect(unreachableReasons('http://127.0.0.1:22/token')).toHaveLength(3);
  });

  it('leaves names it cannot judge without DNS alone', () => {
    expect(privateHostReason('internal.example.com')).toBeUndefined();
  });
});
