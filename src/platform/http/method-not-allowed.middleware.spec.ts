import { MethodNotAllowedException } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { MethodNotAllowedMiddleware } from './method-not-allowed.middleware.js';

/** A router with `GET /sign-in` and `POST /sign-in`, counting how often its patterns are tried. */
function routerWithSignIn() {
  let tried = 0;
  const route = (method: string) => ({
    match: (path: string) => {
      tried++;
      return path === '/sign-in';
    },
    route: {
      methods: { [method]: true },
      _handlesMethod: (m: string) => m.toLowerCase() === method,
    },
  });
  const express = { router: { stack: [route('get'), route('post')] } };
  const host = { httpAdapter: { getInstance: () => express } } as unknown as HttpAdapterHost;
  return { middleware: new MethodNotAllowedMiddleware(host), tried: () => tried };
}

function ask(middleware: MethodNotAllowedMiddleware, method: string, url: string) {
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => (headers[name] = value) };
  let passed = false;
  try {
    middleware.use({ method, originalUrl: url } as Request, res as unknown as Response, () => {
      passed = true;
    });
  } catch (error) {
    if (!(error instanceof MethodNotAllowedException)) throw error;
    return { status: 405, allow: headers.Allow };
  }
  return { status: passed ? 'next' : 'stuck', allow: headers.Allow };
}

describe('MethodNotAllowedMiddleware', () => {
  it('answers the same the second time without trying the routes again', () => {
    const { middleware, tried } = routerWithSignIn();
    expect(ask(middleware, 'DELETE', '/sign-in?x=1')).toEqual({
      status: 405,
      allow: 'GET, HEAD, POST',
    });
    expect(ask(middleware, 'GET', '/sign-in')).toEqual({ status: 'next', allow: undefined });
    expect(ask(middleware, 'GET', '/nowhere')).toEqual({ status: 'next', allow: undefined });
    const afterFirst = tried();

    expect(ask(middleware, 'DELETE', '/sign-in')).toEqual({
      status: 405,
      allow: 'GET, HEAD, POST',
    });
    expect(ask(middleware, 'GET', '/sign-in?again')).toEqual({ status: 'next', allow: undefined });
    expect(ask(middleware, 'GET', '/nowhere')).toEqual({ status: 'next', allow: undefined });
    expect(tried()).toBe(afterFirst);
  });

  it('works out a very long path each time rather than keeping it', () => {
    const { middleware, tried } = routerWithSignIn();
    const long = `/${'a'.repeat(600)}`;
    ask(middleware, 'GET', long);
    const once = tried();
    expect(ask(middleware, 'GET', long)).toEqual({ status: 'next', allow: undefined });
    expect(tried()).toBe(2 * once);
  });
});
