import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { Controller, Injectable, Module, Param, Post, Res } from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IsNotEmpty, MaxLength } from 'class-validator';
import express, { type Request, type Response } from 'express';
import request from 'supertest';
import { Trim } from '../forms/form.js';
import {
  FormBody,
  FormBodyPipe,
  FormPage,
  FormPageInterceptor,
  type FormPageRenderer,
  type FormState,
} from '../forms/form-page.js';
import { ErrorFilter } from '../http/error.filter.js';
import { I18nService } from '../i18n/i18n.service.js';
import { JsonLogger } from '../logging/json-logger.js';
import { configureViews } from '../views/configure-views.js';
import { defineRefusals } from './refusal.js';

// A small module using the framework as a feature module does: a refusal table,
// a DTO, a page that shows the form again.
const THING_REFUSALS = defineRefusals<'taken' | 'gone' | 'locked' | 'busy'>('things', {
  taken: { status: 409, message: 'errors.forbidden.message' },
  gone: { status: 404, message: 'errors.not_found.message' },
  locked: { status: 403, message: 'errors.forbidden.message', field: 'note' },
  busy: {
    status: 429,
    message: 'errors.too_many_requests.message',
    title: 'errors.too_many_requests.title',
  },
});

class ThingDto {
  @Trim()
  @IsNotEmpty({ message: 'errors.bad_request.message' })
  name!: string;

  @Trim()
  @MaxLength(5, { message: 'errors.bad_request.title' })
  note!: string;
}

@Injectable()
class ThingPage implements FormPageRenderer {
  render(req: Request, res: Response, status: number, form: FormState) {
    res.status(status).json({ page: 'thing', id: req.params.id, ...form });
  }
}

@Controller()
class ThingsController {
  @Post('things/:id')
  @FormPage(ThingPage, { field: 'name' })
  save(@Param('id') id: string, @FormBody(ThingDto) dto: ThingDto, @Res() res: Response) {
    if (dto.name === 'taken') throw THING_REFUSALS.of('taken');
    if (dto.name === 'locked') throw THING_REFUSALS.of('locked');
    if (dto.name === 'gone') THING_REFUSALS.unwrap({ ok: false, problem: 'gone' } as const);
    res.status(201).json({ id, name: dto.name, note: dto.note });
  }

  @Post('busy')
  busy() {
    throw THING_REFUSALS.of('busy', { headers: { 'Retry-After': '60' }, body: { retryAfter: 60 } });
  }
}

@Module({
  controllers: [ThingsController],
  providers: [
    ThingPage,
    FormBodyPipe,
    { provide: I18nService, useValue: new I18nService() },
    { provide: APP_INTERCEPTOR, useClass: FormPageInterceptor },
  ],
})
class ThingsModule {}

describe('refusals and form pages (the one error filter)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(ThingsModule, { logger: false });
    const i18n = app.get(I18nService);
    app.use(express.urlencoded({ extended: false }));
    app.use((req: Request, res: Response, next: () => void) => {
      res.locals.locale = req.header('accept-language') === 'en' ? 'en' : 'fr';
      res.locals.requestId = 'req-1';
      next();
    });
    configureViews(app, i18n, { cache: false });
    app.useGlobalFilters(
      new ErrorFilter(i18n, new JsonLogger('error', () => undefined), (page) =>
        app.get(page, { strict: false }),
      ),
    );
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it('shows an invalid form again on its page with 422, what was typed (trimmed) and each field message', async () => {
    const res = await request(app.getHttpServer())
      .post('/things/42')
      .set('Accept-Language', 'en')
      .type('form')
      .send({ name: '  ', note: ' far too long ' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      page: 'thing',
      id: '42',
      values: { name: '', note: 'far too long' },
      errors: [
        {
          field: 'name',
          message: 'This request could not be processed. Check what you entered and try again.',
        },
        { field: 'note', message: 'Invalid request' },
      ],
    });
  });

  it("shows a module's refusal on the form with its status, beside the page's field, in the user's language", async () => {
    const res = await request(app.getHttpServer())
      .post('/things/7')
      .type('form')
      .send({ name: ' taken ', note: 'hi' });
    expect(res.status).toBe(409);
    expect(res.body.values).toEqual({ name: 'taken', note: 'hi' });
    expect(res.body.errors).toEqual([
      { field: 'name', message: new I18nService().t('fr', 'errors.forbidden.message') },
    ]);
  });

  it("puts the message beside the refusal's own field when its table names one", async () => {
    const res = await request(app.getHttpServer())
      .post('/things/7')
      .type('form')
      .send({ name: 'locked' });
    expect(res.status).toBe(403);
    expect(res.body.errors[0].field).toBe('note');
  });

  it('answers a 404 refusal (here unwrapped from an outcome) with the not-found page, never the form', async () => {
    const res = await request(app.getHttpServer())
      .post('/things/7')
      .set('Accept-Language', 'en')
      .type('form')
      .send({ name: 'gone' });
    expect(res.status).toBe(404);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain(new I18nService().t('en', 'errors.not_found.title'));
  });

  it('answers a 404 refusal to a JSON client as the platform does any not found: code not_found', async () => {
    const res = await request(app.getHttpServer())
      .post('/things/7')
      .set('Accept', 'application/json')
      .send({ name: 'gone' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
  });

  it('answers JSON clients with { code, message, requestId } and the extra body and headers', async () => {
    const res = await request(app.getHttpServer())
      .post('/busy')
      .set('Accept', 'application/json')
      .set('Accept-Language', 'en');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('60');
    expect(res.body).toEqual({
      code: 'busy',
      message: 'You have made too many attempts. Try again in a few minutes.',
      requestId: 'req-1',
      retryAfter: 60,
    });
  });

  it("renders the error page with the refusal's title and message when the handler declares no form page", async () => {
    const res = await request(app.getHttpServer()).post('/busy').set('Accept-Language', 'en');
    expect(res.status).toBe(429);
    expect(res.text).toContain('Too many attempts');
    expect(res.text).toContain('You have made too many attempts. Try again in a few minutes.');
  });

  it('answers an invalid form to a JSON client with 422 validation_failed and the field errors', async () => {
    const res = await request(app.getHttpServer())
      .post('/things/1')
      .set('Accept', 'application/json')
      .send({ name: '' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['name']);
  });

  it('passes a valid form to the handler as the DTO, trimmed', async () => {
    const res = await request(app.getHttpServer())
      .post('/things/9')
      .type('form')
      .send({ name: ' Ana ', note: 'ok' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: '9', name: 'Ana', note: 'ok' });
  });
});
