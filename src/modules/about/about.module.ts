import { Module } from '@nestjs/common';
import { PrivacyModule } from '../privacy/privacy.module.js';
import { AboutController } from './about.controller.js';

/** The portal's statements to the public (the accessibility statement, the privacy policy). */
@Module({ imports: [PrivacyModule], controllers: [AboutController] })
export class AboutModule {}
