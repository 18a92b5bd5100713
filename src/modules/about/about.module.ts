import { Module } from '@nestjs/common';
import { AboutController } from './about.controller.js';

/** The portal's statements to the public (the accessibility statement, the privacy policy). */
@Module({ controllers: [AboutController] })
export class AboutModule {}
