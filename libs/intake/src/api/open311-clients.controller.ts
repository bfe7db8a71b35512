import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { Open311ClientRequest } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe } from '@duban/service-defaults';
import { Open311Repository } from '../infrastructure/open311.repository';

/** Administrators issue and revoke the api_keys Open311 clients (apps, FixMyStreet, …) post with. */
@Controller('api/v1/open311-clients')
@UseGuards(BearerAuthGuard)
export class Open311ClientsController {
  constructor(@Inject(Open311Repository) private readonly open311: Open311Repository) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    this.admin(principal);
    return { clients: await this.open311.listClients() };
  }

  /** The key is in this answer only: Duban keeps its hash. */
  @Post()
  @HttpCode(201)
  async create(@Body(new SchemaPipe(Open311ClientRequest)) body: Open311ClientRequest, @CurrentPrincipal() principal: Principal) {
    this.admin(principal);
    return this.open311.createClient(body.name, principal.username, body.answersWithToken ?? false);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    this.admin(principal);
    if (!/^[0-9a-f-]{36}$/i.test(id) || !(await this.open311.revokeClient(id, principal.username))) throw Problems.notFound('This Open311 client');
  }

  private admin(principal: Principal): void {
    if (!hasRole(principal, 'admin')) throw Problems.forbidden('Only administrators manage Open311 clients.');
  }
}
