import { IsString } from 'class-validator';
import { Multiline } from './multiline.js';

/** A clerk's message to the applicant (required and its length: ApplicationProcessingService). */
export class StaffMessageDto {
  @Multiline()
  @IsString({ message: 'errors.bad_request.message' })
  message!: string;
}
